import { describe, expect, it } from 'vitest'
import { Decimal, toWireJson } from '../../emulator/wire-json.js'

describe('toWireJson (Daraja decimals on the wire)', () => {
  it('writes Decimals with their point wherever they sit, and everything else as JSON.stringify does', () => {
    const body = {
      Result: {
        ResultCode: 0,
        Skipped: undefined,
        ResultParameters: { ResultParameter: [{ Key: 'A', Value: new Decimal(1199371) }, { Key: 'B', Value: new Decimal(-1980) }, { Key: 'C', Value: new Decimal(4974.73) }, { Key: 'D', Value: 98 }] },
        List: [new Decimal(0), undefined, 'x'],
      },
    }
    expect(toWireJson(body)).toBe(
      '{"Result":{"ResultCode":0,"ResultParameters":{"ResultParameter":[{"Key":"A","Value":1199371.0},{"Key":"B","Value":-1980.0},{"Key":"C","Value":4974.73},{"Key":"D","Value":98}]},"List":[0.0,null,"x"]}}',
    )
    const plain = { ConversationID: 'AG_1', ResponseCode: '0', Nested: [{ a: 1 }] }
    expect(toWireJson(plain)).toBe(JSON.stringify(plain))
  })

  it('leaves strings that look like a decimal marker as they are', () => {
    const body = { Remarks: '~decimal-0000000000000000~12.0', Value: new Decimal(5) }
    expect(JSON.parse(toWireJson(body))).toEqual({ Remarks: '~decimal-0000000000000000~12.0', Value: 5 })
    expect(toWireJson(body)).toContain('"Value":5.0}')
  })

  it('shows a Decimal as the number it is outside the wire (control-API journals), also after a wire write', () => {
    const body = { Value: new Decimal(7) }
    toWireJson(body)
    expect(JSON.stringify(body)).toBe('{"Value":7}')
    expect(() => toWireJson({ self: (() => { const o: Record<string, unknown> = {}; o.o = o; return o })() })).toThrow()
    expect(JSON.stringify({ Value: new Decimal(7.5) })).toBe('{"Value":7.5}')
  })
})
