"""
The CronJob's schedule from MANDATORY_ASSIGNMENTS_TICK_SECONDS.
"""

import pytest
from tutor.exceptions import TutorError

from tutormandatory_assignments.plugin import tick_cron_schedule


@pytest.mark.parametrize(
    ("seconds", "schedule"),
    [
        (1, "* * * * *"),  # cron's finest step is a minute
        (29, "* * * * *"),
        (60, "* * * * *"),
        (89, "* * * * *"),
        (90, "*/2 * * * *"),  # half a minute rounds up
        (120, "*/2 * * * *"),
        ("300", "*/5 * * * *"),  # a value typed as text
        (900, "*/15 * * * *"),
        (3540, "*/59 * * * *"),
        (3600, "0 */1 * * *"),
        (3569, "*/59 * * * *"),
        (5400, "0 */2 * * *"),
        (6 * 3600, "0 */6 * * *"),
        (24 * 3600, "0 0 * * *"),
        (7 * 24 * 3600, "0 0 * * *"),  # at most daily
    ],
)
def test_schedule_in_whole_minutes(seconds, schedule):
    assert tick_cron_schedule(seconds) == schedule


@pytest.mark.parametrize("seconds", [0, -60, "soon", None])
def test_a_meaningless_period_is_refused(seconds):
    with pytest.raises(TutorError, match="MANDATORY_ASSIGNMENTS_TICK_SECONDS"):
        tick_cron_schedule(seconds)
