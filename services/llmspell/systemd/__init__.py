"""llmspell.systemd"""
