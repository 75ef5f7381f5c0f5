"""behavior"""
