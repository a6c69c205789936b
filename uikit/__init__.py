"""Pieces shared by the Kivy apps (kiosk, counter, display): background worker, texts, Kivy env."""
