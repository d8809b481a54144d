-- int_periods_of_care: one row per child's period of care (full care: short breaks are not
-- care for the stability measures), with the day it started. The start does not depend on the
-- as-at date: a period is on record from its first episode, and its number comes from
-- int_care_episodes.
select
    child_id,
    period_of_care_number,
    min(episode_start) as period_start
from int_care_episodes
group by child_id, period_of_care_number
