-- int_households_on_date: every fostering household approved on the as-at date (approved on
-- or before it, not deregistered by it), with its approved places and the number of
-- children placed with it that day (in-house foster placements carry the household id).
with carers as (
    select * from stg_carers
    where approval_date <= getvariable('as_at')
      and (deregistration_date is null or deregistration_date > getvariable('as_at'))
),

placed_children as (
    select
        household_id,
        count(distinct child_id) as children_placed
    from int_episodes_as_at
    where episode_end is null
      and household_id is not null
      and not is_short_break
    group by household_id
),

final as (
    select
        carers.*,
        coalesce(placed_children.children_placed, 0) as children_placed
    from carers
    left join placed_children using (household_id)
)

select * from final
