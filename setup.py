#!/usr/bin/env python
"""
Package metadata for mandatory-assignments.
"""
import os
import re
import sys

from setuptools import find_packages, setup

HERE = os.path.abspath(os.path.dirname(__file__))


def get_version(*file_paths):
    """
    Extract the version string from the file.

    Input:
     - file_paths: relative path fragments to file with version string
    """
    filename = os.path.join(HERE, *file_paths)
    with open(filename, encoding="utf8") as version_file:
        version_match = re.search(r"^__version__ = ['\"]([^'\"]*)['\"]", version_file.read(), re.M)
    if version_match:
        return version_match.group(1)
    raise RuntimeError("Unable to find version string.")


def load_requirements(*requirements_paths):
    """
    Load all requirements from the specified requirements files.

    Requirements will include any constraints from files specified
    with -c in the requirements files.
    Returns a list of requirement strings.
    """
    requirements = {}
    constraint_files = set()

    # groups "pkg<=x.y.z,..." into ("pkg", "<=x.y.z,...")
    requirement_line_regex = re.compile(r"([a-zA-Z0-9-_.\[\]]+)([<>=][^#\s]+)?")

    def add_version_constraint_or_raise(current_line, current_requirements, add_if_not_present):
        regex_match = requirement_line_regex.match(current_line)
        if regex_match:
            package = regex_match.group(1)
            version_constraints = regex_match.group(2)
            existing_version_constraints = current_requirements.get(package, None)
            # It's fine to add constraints to an unconstrained package,
            # but raise an error if there are already constraints in place.
            if existing_version_constraints and existing_version_constraints != version_constraints:
                raise Exception(
                    f"Multiple constraint definitions found for {package}:"
                    f' "{existing_version_constraints}" and "{version_constraints}".'
                    f" Combine constraints into one location with {package}"
                    f"{existing_version_constraints},{version_constraints}."
                )
            if add_if_not_present or package in current_requirements:
                current_requirements[package] = version_constraints

    # Read requirements from .in files and store the path to any constraint files that are pulled in.
    for path in requirements_paths:
        with open(os.path.join(HERE, path), encoding="utf8") as reqs:
            for line in reqs:
                line = line.split("#", 1)[0].strip()
                if not line:
                    continue
                if line.startswith("-c"):
                    constraint_files.add(os.path.join(os.path.dirname(path), line[2:].strip()))
                elif not line.startswith("-"):
                    add_version_constraint_or_raise(line, requirements, True)

    # Read constraints from the constraint files, applying them only to packages already required.
    for constraint_path in constraint_files:
        with open(os.path.join(HERE, constraint_path), encoding="utf8") as constraints_file:
            for line in constraints_file:
                line = line.split("#", 1)[0].strip()
                if line and not line.startswith("-"):
                    add_version_constraint_or_raise(line, requirements, False)

    return [f'{pkg}{version or ""}' for (pkg, version) in sorted(requirements.items())]


VERSION = get_version("mandatory_assignments", "__init__.py")

if sys.argv[-1] == "tag":
    print("Tagging the version on github:")
    os.system(f"git tag -a {VERSION} -m 'version {VERSION}'")
    os.system("git push --tags")
    sys.exit()

with open(os.path.join(HERE, "README.rst"), encoding="utf8") as readme_file:
    README = readme_file.read()

setup(
    name="mandatory-assignments",
    version=VERSION,
    description="Open edX LMS plugin: binding course and learning-path assignments with due dates and reminders",
    long_description=README,
    long_description_content_type="text/x-rst",
    author="Open edX community",
    license="AGPL-3.0-or-later",
    # Only the plugin: the sandbox (simulated LMS) and the tests are never packaged.
    packages=find_packages(include=["mandatory_assignments", "mandatory_assignments.*"]),
    include_package_data=True,
    install_requires=load_requirements("requirements/base.in"),
    extras_require={"learning-paths": ["learning-paths-plugin"]},
    python_requires=">=3.11",
    zip_safe=False,
    keywords="Python edx openedx lms plugin assignments",
    entry_points={
        "lms.djangoapp": [
            "mandatory_assignments = mandatory_assignments.apps:MandatoryAssignmentsConfig",
        ],
        "openedx.ace.policy": [
            "mandatory_assignments.opt_out = mandatory_assignments.policies:EmailReminderOptOutPolicy",
        ],
    },
    classifiers=[
        "Development Status :: 3 - Alpha",
        "Framework :: Django",
        "Framework :: Django :: 4.2",
        "Framework :: Django :: 5.2",
        "Intended Audience :: Developers",
        "Intended Audience :: Education",
        "Natural Language :: English",
        "Programming Language :: Python :: 3",
        "Programming Language :: Python :: 3.11",
        "Programming Language :: Python :: 3.12",
    ],
)
