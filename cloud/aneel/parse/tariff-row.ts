import { parseAneelDate } from './br-date.ts';
import { parseBrDecimal } from './br-number.ts';
import { TARIFF_COLUMNS } from './columns.ts';
import { columnCountRejection, isRejection, readGeneratedOn } from './record-fields.ts';
import { type RowResult, reject } from './row-result.ts';
import { canonicalText, canonicalUnit, cleanText, parseCnpj } from './vocabulary.ts';

export interface TariffRow {
  cnpj: string;
  reh: string;
  validFrom: string;
  validTo: string;
  base: string;
  subgroup: string;
  modality: string;
  consumerClass: string;
  subclass: string;
  detail: string;
  posto: string;
  unit: 'MWh' | 'kW';
  acessante: string;
  sigAgente: string;
  tusd: string | null;
  te: string | null;
  tusdRaw: string;
  teRaw: string;
  generatedOn: string | null;
}

/** One record of `tarifas-homologadas-distribuidoras-energia-eletrica.csv` (aneel.md §2) to a typed row. */
export function mapTariffRecord(v: Record<string, string>, fieldCount: number): RowResult<TariffRow> {
  const badCount = columnCountRejection(fieldCount, TARIFF_COLUMNS);
  if (badCount) return badCount;
  const cnpj = parseCnpj(v.NumCNPJDistribuidora ?? '');
  if (!cnpj) return reject('bad_cnpj', `NumCNPJDistribuidora ${JSON.stringify(v.NumCNPJDistribuidora)}`);
  const validFrom = parseAneelDate(v.DatInicioVigencia ?? '');
  const validTo = parseAneelDate(v.DatFimVigencia ?? '');
  if (!validFrom || !validTo) {
    return reject(
      'bad_date',
      `vigência ${JSON.stringify(v.DatInicioVigencia)}..${JSON.stringify(v.DatFimVigencia)}`,
    );
  }
  if (validTo < validFrom)
    return reject('bad_range', `vigência ends ${validTo} before it starts ${validFrom}`);
  const generatedOn = readGeneratedOn(v);
  if (isRejection(generatedOn)) return generatedOn;
  const unit = canonicalUnit(v.DscUnidadeTerciaria ?? '');
  if (!unit)
    return reject(
      'bad_unit',
      `DscUnidadeTerciaria ${JSON.stringify(v.DscUnidadeTerciaria)} is neither MWh nor kW`,
    );
  const tusdRaw = (v.VlrTUSD ?? '').trim();
  const teRaw = (v.VlrTE ?? '').trim();
  const tusd = parseBrDecimal(tusdRaw);
  const te = parseBrDecimal(teRaw);
  if (tusd === undefined) return reject('bad_number', `VlrTUSD ${JSON.stringify(tusdRaw)}`);
  if (te === undefined) return reject('bad_number', `VlrTE ${JSON.stringify(teRaw)}`);
  return {
    ok: true,
    row: {
      cnpj,
      reh: cleanText(v.DscREH ?? ''),
      validFrom,
      validTo,
      base: canonicalText(v.DscBaseTarifaria ?? ''),
      subgroup: cleanText(v.DscSubGrupo ?? ''),
      modality: canonicalText(v.DscModalidadeTarifaria ?? ''),
      consumerClass: canonicalText(v.DscClasse ?? ''),
      subclass: canonicalText(v.DscSubClasse ?? ''),
      detail: canonicalText(v.DscDetalhe ?? ''),
      posto: canonicalText(v.NomPostoTarifario ?? ''),
      unit,
      acessante: canonicalText(v.SigAgenteAcessante ?? ''),
      sigAgente: cleanText(v.SigAgente ?? ''),
      tusd,
      te,
      tusdRaw,
      teRaw,
      generatedOn,
    },
  };
}
