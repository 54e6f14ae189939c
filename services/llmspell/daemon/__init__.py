"""llmspell.daemon"""
