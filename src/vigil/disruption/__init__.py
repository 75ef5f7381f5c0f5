"""disruption"""
