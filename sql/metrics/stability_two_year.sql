-- stability_two_year: DfE measure on each as-at date, counted from int_stability_children:
-- children looked after (short breaks excluded) whose current period of care started at least
-- 2 years before, and of those the share with 3 or more placements in the 2 years to the date.
-- reads_from: the earliest day the figure depends on (the 2 years' first day).
with counted as (
    select
        dates.as_at,
        dates.window_2y_start as reads_from,
        count(children.as_at) filter (where children.placements_2_years >= 3) as numerator,
        count(children.as_at) as denominator
    from as_at_dates as dates
    left join int_stability_children as children
        on children.as_at = dates.as_at
        and children.in_two_year_cohort
    group by dates.as_at, dates.window_2y_start
),

final as (
    select as_at, 'stability_two_year' as metric_id, numerator, denominator, null::double as value, reads_from
    from counted
)

select * from final
