"""Pieces shared by the Kivy apps: the App shell of the kiosk and the counter (app, root, screen), background worker, texts, Kivy env."""
