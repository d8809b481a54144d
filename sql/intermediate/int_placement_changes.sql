-- int_placement_changes: every end of a foster placement (PLACE U1-U6) where the child moved
-- on to another placement in the same period of care, as at the date, with the recorded
-- reason for the change. These are the moves the unplanned-endings measure looks at.
with episodes as (
    select * from int_episodes_as_at
),

with_next as (
    select
        *,
        lead(reason_new_episode) over child_order as next_reason_new_episode,
        lead(period_of_care_number) over child_order as next_period_of_care_number
    from episodes
    window child_order as (partition by child_id order by episode_number)
),

final as (
    select
        child_id,
        episode_end as change_date,
        placement_type,
        placement_provider,
        reason_placement_changed
    from with_next
    where episode_end is not null
      and placement_type in ('U1', 'U2', 'U3', 'U4', 'U5', 'U6')
      and next_period_of_care_number = period_of_care_number
      and next_reason_new_episode in ('P', 'B')
)

select * from final
