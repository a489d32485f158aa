"""PySide6 screens: thin views over core/."""
