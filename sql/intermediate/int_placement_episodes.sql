-- int_placement_episodes: every episode that counts towards placements, numbered by the
-- placement (a stay with one carer) it belongs to within its child, with the placement's start
-- (placements are numbered in the order they start).
-- DfE reading documented in docs/metrics.md:
-- - a placement starts with the first counted episode of a period of care and with every
--   later episode whose RNE is P (new placement and carer) or B (legal change + new carer);
--   L, T and U episodes continue the same placement (same carer);
-- - short-breaks episodes (V3/V4) are not placements;
-- - temporary placements (T0-T4) are not counted unless the setting says so, and returning
--   to the same carer after one is not a new placement;
-- - placement for adoption with the current foster carer (A3/A5) is not a new placement
--   unless the setting says so.
-- Built once for all dates: an episode's placement depends only on the episodes before it,
-- and the episodes on record at any date are the first ones of each child.
with episodes as (
    select * from int_episodes
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
        child_id,
        episode_number,
        episode_start,
        episode_end,
        period_of_care_number,
        sum(starts_placement::integer) over (
            partition by child_id order by episode_number rows unbounded preceding
        ) as placement_number
    from flagged
),

final as (
    select
        *,
        min(episode_start) over placement as placement_start,
        -- the day the placement's last episode ended; null while any of its episodes is open
        case when count(episode_end) over placement = count(*) over placement
             then max(episode_end) over placement end as placement_last_end
    from numbered
    window placement as (partition by child_id, placement_number)
)

select * from final
