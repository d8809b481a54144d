-- int_placement_episodes: the placement-counting rule, written once. Every episode that counts
-- towards placements, numbered by the placement (a stay with one carer) it belongs to.
-- The rule (docs/metrics.md, "Placement stability: the rules"):
-- 1. Left out first: short breaks (V3/V4), and temporary placements (T0-T4) unless the
--    project's count_temporary_placements says to count them.
-- 2. The child's first remaining episode starts a placement.
-- 3. A later episode starts a placement when its RNE is S (started to be looked after), or P or
--    B (new carer); L, T and U (same carer) do not. Placement for adoption with the current
--    foster carer (A3/A5) never does, whatever its RNE, unless the project's
--    adoption_with_current_carer_is_a_move says so.
-- 4. After episodes that were left out the RNE alone cannot say who the carer is (it compares
--    with the episode just before, which was left out). There, an episode starts a placement
--    when the carer changed on the way (its RNE, or the RNE of a left-out episode, is S, P or B)
--    and it is not a return to the same carer as the last counted episode (same carer_key).
--    So a move recorded on a short-break episode does not hide inside a "same carer" run, and a
--    return to the carer the child had before a temporary placement or short breaks is not a move.
-- Built once for all dates: whether an episode starts a placement depends only on the episodes
-- before it, and the episodes on record at any date are the first ones of each child.
with episodes as (
    select
        episodes.*,
        care.period_of_care_number,
        not episodes.is_short_break
            and (getvariable('count_temporary_placements') or not episodes.is_temporary_placement) as is_counted,
        -- the reason recorded on the episode just before (left out or not): why it ended
        lag(episodes.reason_placement_changed) over (
            partition by episodes.child_id order by episodes.episode_number
        ) as reason_previous_episode_ended
    from int_episodes as episodes
    left join int_care_episodes as care using (child_id, episode_number)
),

grouped as (
    -- each left-out episode joins the group of the counted episode before it
    select
        *,
        sum(is_counted::integer) over (
            partition by child_id order by episode_number rows unbounded preceding
        ) as counted_so_far
    from episodes
),

left_out as (
    select
        child_id,
        counted_so_far,
        bool_or(reason_new_episode in ('S', 'P', 'B')) as carer_changed_while_left_out
    from grouped
    where not is_counted
    group by child_id, counted_so_far
),

counted as (
    select
        grouped.*,
        left_out.child_id is not null as follows_left_out,
        coalesce(left_out.carer_changed_while_left_out, false) as carer_changed_while_left_out,
        lag(grouped.episode_number) over child_order as previous_episode_number,
        lag(grouped.carer_key) over child_order as previous_carer_key,
        lag(grouped.placement_type) over child_order as previous_placement_type,
        lag(grouped.placement_provider) over child_order as previous_placement_provider,
        lag(grouped.period_of_care_number) over child_order as previous_period_of_care_number
    from grouped
    left join left_out
        on left_out.child_id = grouped.child_id
        and left_out.counted_so_far = grouped.counted_so_far - 1
    where grouped.is_counted
    window child_order as (partition by grouped.child_id order by grouped.episode_number)
),

flagged as (
    select
        *,
        case
            when previous_episode_number is null then true
            when placement_type in ('A3', 'A5')
                and not getvariable('adoption_with_current_carer_is_a_move') then false
            when reason_new_episode = 'S' then true
            when not follows_left_out then reason_new_episode in ('P', 'B')
            when reason_new_episode in ('P', 'B') or carer_changed_while_left_out
                then carer_key is distinct from previous_carer_key
            else false
        end as starts_placement
    from counted
),

numbered as (
    select
        *,
        sum(starts_placement::integer) over (
            partition by child_id order by episode_number rows unbounded preceding
        ) as placement_number
    from flagged
),

final as (
    select
        child_id,
        episode_number,
        episode_start,
        episode_end,
        period_of_care_number,
        placement_type,
        reason_new_episode,
        starts_placement,
        placement_number,
        min(episode_start) over (partition by child_id, placement_number) as placement_start,
        previous_episode_number,
        previous_placement_type,
        previous_placement_provider,
        previous_period_of_care_number,
        reason_previous_episode_ended
    from numbered
)

select * from final
