"""llmspell.gateway"""
