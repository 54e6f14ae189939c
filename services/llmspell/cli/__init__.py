"""llmspell.cli"""
