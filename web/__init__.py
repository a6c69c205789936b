"""Web pages shared by the hub (citizens' phones on the office Wi-Fi, the office dashboard) and the
central server (the status page on the internet, the provincial dashboard).

Server-rendered HTML (Jinja2) with no build step: `pages` renders templates in Vietnamese or
English, `security` adds the headers every answer carries and checks CSRF tokens on forms,
`texts/` holds the words of each page family. Routes live with their server (hub/, central/);
this package owns only what they share.
"""
