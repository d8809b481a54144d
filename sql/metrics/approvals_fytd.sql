-- approvals_fytd: mainstream and short-breaks households approved from 1 April of the
-- financial year containing the date up to the date. Connected-person households are
-- approved for a named child and sit outside the recruitment target.
with carers as (
    select * from stg_carers
),

financial_year as (
    select make_date(
        year(getvariable('as_at')) - (case when month(getvariable('as_at')) < 4 then 1 else 0 end),
        4, 1
    ) as year_start
),

final as (
    select
        count(*) as numerator,
        null::integer as denominator
    from carers, financial_year
    where carers.household_type in ('mainstream', 'short_breaks')
      and carers.approval_date between financial_year.year_start and getvariable('as_at')
)

select * from final
