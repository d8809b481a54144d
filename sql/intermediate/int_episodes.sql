-- int_episodes: every episode, ordered within its child, with the period of care it belongs
-- to. A period of care starts with RNE S, or whenever the previous episode did not end with
-- X1 on the day this one started (a break in care). Built once for all dates: an episode's
-- place in the sequence does not depend on the date the scorecard is computed for.
with episodes as (
    select * from stg_episodes
),

described as (
    select
        *,
        placement_type in ('T0', 'T1', 'T2', 'T3', 'T4') as is_temporary_placement,
        legal_status in ('V3', 'V4') as is_short_break,
        concat_ws('|', placement_type, coalesce(placement_provider, ''), coalesce(household_id, ''),
                  coalesce(provider_urn, ''), coalesce(placement_postcode, '')) as carer_key
    from episodes
),

sequenced as (
    select
        *,
        row_number() over child_order as episode_number,
        lag(episode_end) over child_order as previous_episode_end,
        lag(reason_episode_ceased) over child_order as previous_reason_ceased,
        coalesce(lag(is_temporary_placement) over child_order, false) as follows_temporary_placement
    from described
    window child_order as (partition by child_id order by episode_start, source_line)
),

flagged as (
    select
        *,
        (
            episode_number = 1
            or reason_new_episode = 'S'
            or previous_reason_ceased is distinct from 'X1'
            or previous_episode_end is distinct from episode_start
        ) as starts_period_of_care
    from sequenced
),

numbered as (
    select
        *,
        sum(starts_period_of_care::integer) over (
            partition by child_id order by episode_number rows unbounded preceding
        ) as period_of_care_number
    from flagged
)

select * from numbered
