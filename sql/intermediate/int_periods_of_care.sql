-- int_periods_of_care: one row per child's period of care as at the date: when it started,
-- when it ended (null while it continues) and whether it is a short-breaks (V3/V4) series.
with episodes as (
    select * from int_episodes_as_at
),

periods as (
    select
        child_id,
        period_of_care_number,
        min(episode_start) as period_start,
        max(episode_number) as last_episode_number
    from episodes
    group by child_id, period_of_care_number
),

with_end as (
    select
        periods.child_id,
        periods.period_of_care_number,
        periods.period_start,
        last_episode.episode_end as period_end,
        last_episode.legal_status as latest_legal_status,
        last_episode.is_short_break as is_short_break
    from periods
    inner join episodes as last_episode
        on last_episode.child_id = periods.child_id
        and last_episode.episode_number = periods.last_episode_number
)

select * from with_end
