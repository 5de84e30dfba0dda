"""nudges"""
