-- int_placements: one row per placement (a stay with one carer) as at the date.
-- DfE reading documented in docs/metrics.md:
-- - a placement starts with the first counted episode of a period of care and with every
--   later episode whose RNE is P (new placement and carer) or B (legal change + new carer);
--   L, T and U episodes continue the same placement (same carer);
-- - short-breaks episodes (V3/V4) are not placements;
-- - temporary placements (T0-T4) are not counted unless the setting says so, and returning
--   to the same carer after one is not a new placement;
-- - placement for adoption with the current foster carer (A3/A5) is not a new placement
--   unless the setting says so.
with episodes as (
    select * from int_episodes_as_at
    where not is_short_break
      and (getvariable('count_temporary_placements') or not is_temporary_placement)
),

compared as (
    select
        *,
        lag(period_of_care_number) over child_order as previous_period_of_care_number,
        lag(carer_key) over child_order as previous_carer_key
    from episodes
    window child_order as (partition by child_id order by episode_number)
),

flagged as (
    select
        *,
        case
            when previous_period_of_care_number is distinct from period_of_care_number then true
            when reason_new_episode not in ('P', 'B') then false
            when placement_type in ('A3', 'A5')
                and not getvariable('adoption_with_current_carer_is_a_move') then false
            when follows_temporary_placement and carer_key = previous_carer_key then false
            else true
        end as starts_placement
    from compared
),

numbered as (
    select
        *,
        sum(starts_placement::integer) over (
            partition by child_id order by episode_number rows unbounded preceding
        ) as placement_number
    from flagged
),

placements as (
    select
        child_id,
        placement_number,
        any_value(period_of_care_number) as period_of_care_number,
        min(episode_start) as placement_start,
        -- open while its latest episode is open
        max_by(episode_end, episode_number) as placement_end,
        count(*) as episodes
    from numbered
    group by child_id, placement_number
)

select * from placements
