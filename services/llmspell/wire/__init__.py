"""llmspell.wire"""
