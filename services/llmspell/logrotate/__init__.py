"""llmspell.logrotate"""
