"""llmspell.tools"""
