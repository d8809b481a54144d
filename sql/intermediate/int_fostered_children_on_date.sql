-- int_fostered_children_on_date: children in a foster placement (PLACE U1-U6) on the as-at
-- date, short breaks (V3/V4) excluded, with who provides the placement.
with open_episodes as (
    select * from int_episodes_as_at
    where episode_end is null
),

final as (
    select child_id, placement_type, placement_provider, household_id
    from open_episodes
    where not is_short_break
      and placement_type in ('U1', 'U2', 'U3', 'U4', 'U5', 'U6')
)

select * from final
