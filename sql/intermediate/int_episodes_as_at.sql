-- int_episodes_as_at: episodes as they stood on the as-at date, ordered within each child,
-- with the period of care each belongs to.
-- Episodes that started after the date are left out; an end after the date is treated as
-- still open, so a month computed from a later extract matches the month's own extract.
-- A period of care starts with RNE S, or whenever the previous episode did not end with X1
-- on the day this one started (a break in care).
with episodes as (
    select * from stg_episodes
    where episode_start <= getvariable('as_at')
),

cut_at_date as (
    select
        * replace (
            case when episode_end <= getvariable('as_at') then episode_end end as episode_end,
            case when episode_end <= getvariable('as_at') then reason_episode_ceased end as reason_episode_ceased
        ),
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
    from cut_at_date
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
