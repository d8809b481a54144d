-- allegations_by_outcome: allegations concluded in the 12 months to the date, by outcome.
with allegations as (
    select * from stg_allegations
    where date_concluded between getvariable('as_at') - interval 1 year + interval 1 day and getvariable('as_at')
),

final as (
    select 'allegations_substantiated_share' as metric_id, coalesce(outcome, 'NOT RECORDED') as category, count(*) as count
    from allegations
    group by all
)

select * from final order by category
