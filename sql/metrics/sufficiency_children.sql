-- sufficiency_children: where fostered children live on each as-at date (from the episodes
-- alone). Fostered children: an open foster placement (PLACE U1-U6), short breaks (V3/V4)
-- excluded. In-house share: placed with the council's own carers (PLACE_PROVIDER PR1) out of all
-- fostered children; agency share: private (PR4) or voluntary (PR5) agencies (other councils
-- and other providers make up the rest).
-- reads_from: the earliest day the figures depend on (the date itself: a snapshot).
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

final as (
    select as_at, 'in_house_share' as metric_id, in_house as numerator, children as denominator, null::double as value, as_at as reads_from from fostered
    union all select as_at, 'agency_share', agency, children, null, as_at from fostered
)

select * from final
