"""llmspell.kernel"""
