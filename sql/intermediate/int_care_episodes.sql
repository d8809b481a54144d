-- int_care_episodes: the episodes of full care, numbered into periods of care. Agreed series of
-- short breaks (legal status V3/V4) are outside every stability measure, so they are taken out
-- BEFORE periods of care are built: time on short breaks is not continuous care.
-- A period of care starts with the child's first episode of full care, with RNE S, and after any
-- break between two episodes of full care: the one before did not end X1 (a new episode the same
-- day), or did not end on the day this one started (a gap, including one spent on short breaks).
-- Temporary placements (T0-T4) are full care: they stay in, and never break a period.
with episodes as (
    select * from int_episodes where not is_short_break
),

sequenced as (
    select
        *,
        lag(episode_end) over child_order as previous_episode_end,
        lag(reason_episode_ceased) over child_order as previous_reason_ceased,
        lag(episode_number) over child_order is null as is_first_care_episode
    from episodes
    window child_order as (partition by child_id order by episode_number)
),

flagged as (
    select
        *,
        (
            is_first_care_episode
            or reason_new_episode = 'S'
            or previous_reason_ceased is distinct from 'X1'
            or previous_episode_end is distinct from episode_start
        ) as starts_period_of_care
    from sequenced
),

final as (
    select
        *,
        sum(starts_period_of_care::integer) over (
            partition by child_id order by episode_number rows unbounded preceding
        ) as period_of_care_number
    from flagged
)

select * from final
