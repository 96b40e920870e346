"""Errors of the teams app."""


class TeamAPIRequestError(Exception):
    """A request to the teams API that cannot be done."""


class NotEnrolledInCourseForTeam(TeamAPIRequestError):
    """The user is not enrolled in the team's course."""


class AlreadyOnTeamInTeamset(TeamAPIRequestError):
    """The user is already on a team of this teamset."""


class AddToIncompatibleTeamError(TeamAPIRequestError):
    """The team cannot take this user."""
