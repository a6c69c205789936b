"""What the test receipt carries (imported by name: conftest modules are not)."""

CODE, SECRET = "000.31.20.H56-260302-0042", "314159"
