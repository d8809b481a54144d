-- int_households_on_date: for each as-at date, every fostering household approved that day
-- (approved on or before it, not deregistered by it), with its approved places and the number
-- of children placed with it that day (in-house foster placements carry the household id).
with carers as (
    select dates.as_at, stg_carers.*
    from stg_carers
    inner join as_at_dates as dates
        on stg_carers.approval_date <= dates.as_at
        and (stg_carers.deregistration_date is null or stg_carers.deregistration_date > dates.as_at)
),

placed_children as (
    select
        as_at,
        household_id,
        count(distinct child_id) as children_placed
    from int_open_episodes_on_date
    where household_id is not null
      and not is_short_break
    group by as_at, household_id
),

final as (
    select
        carers.*,
        coalesce(placed_children.children_placed, 0) as children_placed
    from carers
    left join placed_children using (as_at, household_id)
)

select * from final
