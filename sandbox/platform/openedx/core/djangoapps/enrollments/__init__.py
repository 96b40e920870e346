"""Simulated enrollments app: the part of its Python API that ``CourseEnrollment.enroll`` uses."""
