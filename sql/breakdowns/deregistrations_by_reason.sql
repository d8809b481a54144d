-- deregistrations_by_reason: households deregistered in the 12 months to the date, by reason.
with carers as (
    select * from stg_carers
    where deregistration_date between getvariable('as_at') - interval 1 year + interval 1 day and getvariable('as_at')
),

final as (
    select 'deregistrations_12m' as metric_id, coalesce(deregistration_reason, 'NOT RECORDED') as category, count(*) as count
    from carers
    group by all
)

select * from final order by category
