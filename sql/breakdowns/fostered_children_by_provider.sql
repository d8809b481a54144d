-- fostered_children_by_provider: children in a foster placement (U1-U6) on the date set
-- (getvariable('as_at')), short breaks excluded, by who provides the placement.
with fostered as (
    select * from int_fostered_children_on_date where as_at = getvariable('as_at')
),

final as (
    select
        'in_house_share' as metric_id,
        case placement_provider
            when 'PR1' then 'PR1 own council'
            when 'PR2' then 'PR2 other council'
            when 'PR3' then 'PR3 other public'
            when 'PR4' then 'PR4 private agency'
            when 'PR5' then 'PR5 voluntary agency'
            else 'not recorded'
        end as category,
        count(*) as count
    from fostered
    group by all
)

select * from final order by category
