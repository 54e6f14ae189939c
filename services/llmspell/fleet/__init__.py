"""llmspell.fleet"""
