"""Pieces shared by the Kivy apps: the App shell of the kiosk and the counter (app, root, screen),
the background worker, texts and the Kivy environment."""
