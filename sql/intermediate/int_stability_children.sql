-- int_stability_children: the DfE stability measures child by child, for each as-at date: every
-- child looked after that day (short breaks excluded) and where they stand in each measure. The
-- three metric files count these rows; tests compare them child for child with an independent
-- implementation of docs/metrics.md.
--   short-term: every child here; counted when placements_12_months >= 3
--   long-term:  aged under 16 on the date and in the current period of care since 30 months
--               before it at the latest; counted when the current placement (same carer)
--               started 2 years before the date at the latest (before window_2y_start)
--   two-year:   in the current period of care since 2 years before the date at the latest;
--               counted when placements_2_years >= 3
with looked_after as (
    select * from int_looked_after_on_date
),

dates as (
    select * from as_at_dates
),

final as (
    select
        looked_after.as_at,
        looked_after.child_id,
        looked_after.period_start,
        looked_after.current_placement_start,
        looked_after.date_of_birth,
        coalesce(counts.placements_12_months, 0) as placements_12_months,
        coalesce(counts.placements_2_years, 0) as placements_2_years,
        coalesce(
            looked_after.date_of_birth + interval 16 year > looked_after.as_at
            and looked_after.period_start <= looked_after.as_at - interval 30 month,
            false
        ) as in_long_term_cohort,
        coalesce(looked_after.current_placement_start < dates.window_2y_start, false) as same_carer_2_years,
        looked_after.period_start < dates.window_2y_start as in_two_year_cohort
    from looked_after
    inner join dates using (as_at)
    left join int_placement_counts as counts using (as_at, child_id)
)

select * from final
