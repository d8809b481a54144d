-- int_placement_changes: every end of a foster placement (PLACE U1-U6) where the child moved
-- on to another placement in the same period of care, with the recorded reason for the
-- change. These are the moves the unplanned-endings measure looks at. on_record_from: the
-- first as-at date on which the move is on record (the episode, its end and the next episode
-- have all started by then); a move read from a later extract counts from that date only.
with episodes as (
    select * from int_episodes
),

with_next as (
    select
        *,
        lead(reason_new_episode) over child_order as next_reason_new_episode,
        lead(period_of_care_number) over child_order as next_period_of_care_number,
        lead(episode_start) over child_order as next_episode_start
    from episodes
    window child_order as (partition by child_id order by episode_number)
),

final as (
    select
        child_id,
        episode_end as change_date,
        greatest(episode_start, episode_end, next_episode_start) as on_record_from,
        placement_type,
        placement_provider,
        reason_placement_changed
    from with_next
    where episode_end is not null
      and episode_start is not null
      and next_episode_start is not null
      and placement_type in ('U1', 'U2', 'U3', 'U4', 'U5', 'U6')
      and next_period_of_care_number = period_of_care_number
      and next_reason_new_episode in ('P', 'B')
)

select * from final
