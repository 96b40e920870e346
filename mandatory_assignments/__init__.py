"""
Mandatory assignments for Open edX: binding course and learning-path assignments with due dates.
"""

__version__ = "0.1.0"
