-- sufficiency: where fostered children live and the in-house capacity on the date.
-- Fostered children: an open foster placement (PLACE U1-U6), short breaks (V3/V4) excluded.
-- In-house share: placed with the council's own carers (PLACE_PROVIDER PR1) out of all
-- fostered children (PR4/PR5 agencies and other councils make up the rest).
-- Places: approved places of households approved on the date, children placed with them, and
-- vacancies (approved places not filled). Emergency and assessment beds: approved households
-- offering one. On hold / inactive: from the status column, which is known only as at the
-- extract date (the registry marks that metric as such).
with fostered as (
    select * from int_fostered_children_on_date
),

households as (
    select * from int_households_on_date
),

final as (
    select 'in_house_share' as metric_id,
           (select count(*) from fostered where placement_provider = 'PR1') as numerator,
           (select count(*) from fostered) as denominator,
           null::double as value
    union all
    select 'agency_share',
           (select count(*) from fostered where placement_provider in ('PR4', 'PR5')),
           (select count(*) from fostered),
           null
    union all
    select 'approved_places', (select coalesce(sum(approved_places), 0) from households), null, null
    union all
    select 'filled_places', (select coalesce(sum(least(children_placed, approved_places)), 0) from households), null, null
    union all
    select 'vacancies', (select coalesce(sum(greatest(approved_places - children_placed, 0)), 0) from households), null, null
    union all
    select 'emergency_beds', (select count(*) from households where has_emergency_bed), null, null
    union all
    select 'assessment_beds', (select count(*) from households where has_assessment_bed), null, null
    union all
    select 'households_on_hold_or_inactive',
           (select count(*) from households where status_at_extract in ('on_hold', 'inactive')),
           (select count(*) from households),
           null
)

select * from final
