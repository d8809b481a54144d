-- int_fostered_children_on_date: for each as-at date, children in a foster placement (PLACE
-- U1-U6) that day, short breaks (V3/V4) excluded, with who provides the placement.
with open_episodes as (
    select * from int_open_episodes_on_date
),

final as (
    select as_at, child_id, placement_type, placement_provider, household_id
    from open_episodes
    where not is_short_break
      and placement_type in ('U1', 'U2', 'U3', 'U4', 'U5', 'U6')
)

select * from final
