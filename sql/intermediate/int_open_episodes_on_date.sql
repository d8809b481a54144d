-- int_open_episodes_on_date: for each as-at date, the episodes open that day: started on or
-- before it and not ended by it (an episode ending on the date itself has ceased). An end
-- after the date counts as still open, so a month computed from a later extract matches the
-- month computed from its own extract. Short breaks are in (is_short_break says so): each
-- reader decides.
select
    dates.as_at,
    episodes.child_id,
    episodes.episode_number,
    episodes.placement_type,
    episodes.placement_provider,
    episodes.household_id,
    episodes.is_short_break
from int_episodes as episodes
inner join as_at_dates as dates
    on episodes.episode_start <= dates.as_at
    and (episodes.episode_end is null or episodes.episode_end > dates.as_at)
