/**
 * The real headers of the files CDS loads, in file order (aneel.md §2, §3, §4). Header validation
 * compares against these; the data dictionaries disagree with the files and are not trusted.
 */
export const TARIFF_COLUMNS = [
  'DatGeracaoConjuntoDados',
  'DscREH',
  'SigAgente',
  'NumCNPJDistribuidora',
  'DatInicioVigencia',
  'DatFimVigencia',
  'DscBaseTarifaria',
  'DscSubGrupo',
  'DscModalidadeTarifaria',
  'DscClasse',
  'DscSubClasse',
  'DscDetalhe',
  'NomPostoTarifario',
  'DscUnidadeTerciaria',
  'SigAgenteAcessante',
  'VlrTUSD',
  'VlrTE',
] as const;

export const FLAG_COLUMNS = [
  'DatGeracaoConjuntoDados',
  'DatCompetencia',
  'NomBandeiraAcionada',
  'VlrAdicionalBandeira',
] as const;

export const FLAG_LEVEL_COLUMNS = [
  'DatGeracaoConjuntoDados',
  'DscResolucao',
  'DatVigencia',
  'NomBandeiraAcionada',
  'VlrAdicionalBandeiraRSMWh',
] as const;

export const SAMP_COLUMNS = [
  'DatGeracaoConjuntoDados',
  'NumCNPJAgenteDistribuidora',
  'SigAgenteDistribuidora',
  'NomAgenteDistribuidora',
  'NomTipoMercado',
  'DscModalidadeTarifaria',
  'DscSubGrupoTarifario',
  'DscClasseConsumoMercado',
  'DscSubClasseConsumidor',
  'DscDetalheConsumidor',
  'IdeNucleoCeg',
  'NumCNPJAgenteAcessante',
  'NomAgenteAcessante',
  'DscPostoTarifario',
  'DscOpcaoEnergia',
  'DscDetalheMercado',
  'DatCompetencia',
  'VlrMercado',
] as const;
