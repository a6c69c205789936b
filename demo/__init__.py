"""The seeded demo office (never used to create a real office)."""
