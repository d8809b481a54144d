-- int_placement_changes: every move out of a foster placement (PLACE U1-U6) to another
-- placement in the same period of care: a placement start (int_placement_episodes, the one
-- placement-counting rule) whose previous counted episode was a foster placement. These are the
-- moves the unplanned-endings measures look at. The move is dated the day the new placement
-- began (the day the foster placement ended, in an unbroken X1 chain) and is on record from it.
-- The reason is the REASON_PLACE_CHANGE recorded on the episode that ended just before the new
-- placement. Unplanned endings: the carer's request (CREQB, CREQO), an allegation (ALLEG),
-- standards of care (STAND) or the child's request (CHILD) - listed here only.
with placements as (
    select * from int_placement_episodes
),

final as (
    select
        child_id,
        episode_start as change_date,
        previous_placement_type as placement_type,
        previous_placement_provider as placement_provider,
        reason_previous_episode_ended as reason_placement_changed,
        coalesce(reason_previous_episode_ended in ('CREQB', 'CREQO', 'ALLEG', 'STAND', 'CHILD'), false) as is_unplanned
    from placements
    where starts_placement
      and previous_episode_number is not null
      and previous_period_of_care_number = period_of_care_number
      and previous_placement_type in ('U1', 'U2', 'U3', 'U4', 'U5', 'U6')
)

select * from final
