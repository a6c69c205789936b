"""Counter screens: each holds its own state; layouts live in assets/kv/counter/."""
