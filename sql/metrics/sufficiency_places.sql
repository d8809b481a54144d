-- sufficiency_places: the council's fostering capacity on each as-at date (from the carers
-- extract alone): approved places of households approved on the date, households offering an
-- emergency or an assessment bed, and households on hold or inactive (from the status column,
-- which is known only as at the extract date: the registry marks that metric as such).
-- reads_from: the earliest day the figures depend on (the date itself: a snapshot).
with households as (
    select
        dates.as_at,
        coalesce(sum(households.approved_places), 0) as approved_places,
        count(households.as_at) filter (where households.has_emergency_bed) as emergency_beds,
        count(households.as_at) filter (where households.has_assessment_bed) as assessment_beds,
        count(households.as_at) filter (where households.status_at_extract in ('on_hold', 'inactive')) as on_hold_or_inactive,
        count(households.as_at) as approved
    from as_at_dates as dates
    left join int_households_on_date as households on households.as_at = dates.as_at
    group by dates.as_at
),

final as (
    select as_at, 'approved_places' as metric_id, approved_places as numerator, null::bigint as denominator, null::double as value, as_at as reads_from from households
    union all select as_at, 'emergency_beds', emergency_beds, null, null, as_at from households
    union all select as_at, 'assessment_beds', assessment_beds, null, null, as_at from households
    union all select as_at, 'households_on_hold_or_inactive', on_hold_or_inactive, approved, null, as_at from households
)

select * from final
