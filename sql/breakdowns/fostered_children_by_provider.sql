-- fostered_children_by_provider: children in a foster placement (U1-U6) on the date set
-- (getvariable('as_at')), short breaks excluded, by who provides the placement, in plain words
-- (code_labels, from the data contract). The counts add up to in_house_share's denominator.
with fostered as (
    select * from int_fostered_children_on_date where as_at = getvariable('as_at')
),

final as (
    select
        'in_house_share' as metric_id,
        case
            when fostered.placement_provider is null then 'Not recorded'
            else coalesce(labels.label, fostered.placement_provider)
        end as category,
        count(*) as count
    from fostered
    left join code_labels as labels
        on labels.extract = 'episodes' and labels.column_name = 'PLACE_PROVIDER'
        and labels.code = fostered.placement_provider
    group by all
)

select * from final order by category
