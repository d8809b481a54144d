-- sufficiency: where fostered children live and the in-house capacity on each as-at date.
-- Fostered children: an open foster placement (PLACE U1-U6), short breaks (V3/V4) excluded.
-- In-house share: placed with the council's own carers (PLACE_PROVIDER PR1) out of all
-- fostered children (PR4/PR5 agencies and other councils make up the rest).
-- Places: approved places of households approved on the date, children placed with them, and
-- vacancies (approved places not filled). Emergency and assessment beds: approved households
-- offering one. On hold / inactive: from the status column, which is known only as at the
-- extract date (the registry marks that metric as such).
with fostered as (
    select
        dates.as_at,
        count(fostered.as_at) filter (where fostered.placement_provider = 'PR1') as in_house,
        count(fostered.as_at) filter (where fostered.placement_provider in ('PR4', 'PR5')) as agency,
        count(fostered.as_at) as children
    from as_at_dates as dates
    left join int_fostered_children_on_date as fostered on fostered.as_at = dates.as_at
    group by dates.as_at
),

households as (
    select
        dates.as_at,
        coalesce(sum(households.approved_places), 0) as approved_places,
        coalesce(sum(least(households.children_placed, households.approved_places)), 0) as filled_places,
        coalesce(sum(greatest(households.approved_places - households.children_placed, 0)), 0) as vacancies,
        count(households.as_at) filter (where households.has_emergency_bed) as emergency_beds,
        count(households.as_at) filter (where households.has_assessment_bed) as assessment_beds,
        count(households.as_at) filter (where households.status_at_extract in ('on_hold', 'inactive')) as on_hold_or_inactive,
        count(households.as_at) as approved
    from as_at_dates as dates
    left join int_households_on_date as households on households.as_at = dates.as_at
    group by dates.as_at
),

final as (
    select as_at, 'in_house_share' as metric_id, in_house as numerator, children as denominator, null::double as value from fostered
    union all select as_at, 'agency_share', agency, children, null from fostered
    union all select as_at, 'approved_places', approved_places, null, null from households
    union all select as_at, 'filled_places', filled_places, null, null from households
    union all select as_at, 'vacancies', vacancies, null, null from households
    union all select as_at, 'emergency_beds', emergency_beds, null, null from households
    union all select as_at, 'assessment_beds', assessment_beds, null, null from households
    union all select as_at, 'households_on_hold_or_inactive', on_hold_or_inactive, approved, null from households
)

select * from final
