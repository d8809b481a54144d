-- sufficiency_filled_places: approved places filled and vacant on each as-at date (the carers
-- extract and the episodes together). A household's places are filled by the children placed
-- with it that day (open foster episodes carrying its HOUSEHOLD_ID, short breaks excluded), at
-- most its approved places; vacancies are the approved places not filled, household by
-- household.
-- reads_from: the earliest day the figures depend on (the date itself: a snapshot).
with placed_children as (
    select as_at, household_id, count(distinct child_id) as children_placed
    from int_open_episodes_on_date
    where household_id is not null
      and not is_short_break
    group by as_at, household_id
),

households as (
    select
        dates.as_at,
        coalesce(sum(least(coalesce(placed.children_placed, 0), households.approved_places)), 0) as filled_places,
        coalesce(sum(greatest(households.approved_places - coalesce(placed.children_placed, 0), 0)), 0) as vacancies
    from as_at_dates as dates
    left join int_households_on_date as households on households.as_at = dates.as_at
    left join placed_children as placed
        on placed.as_at = households.as_at and placed.household_id = households.household_id
    group by dates.as_at
),

final as (
    select as_at, 'filled_places' as metric_id, filled_places as numerator, null::bigint as denominator, null::double as value, as_at as reads_from from households
    union all select as_at, 'vacancies', vacancies, null, null, as_at from households
)

select * from final
