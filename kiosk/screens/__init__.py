"""Kiosk screens: each Screen class holds its state; layouts are in assets/kv/kiosk/."""
